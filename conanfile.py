import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load
from conan.tools.layout import basic_layout

required_conan_version = ">=2.0"


class ReproConan(ConanFile):
    name = "repro"
    description = ("Header-only C++17 library for numerical reproducibility in neural-network "
                   "inference: batch-invariant kernels, exact reductions, keyed random streams.")
    license = "MIT"
    topics = ("reproducibility", "determinism", "floating-point", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    # with_mpi: also the component "mpi" (repro/mpi.hpp, target repro::mpi).
    # MPI itself is the consumer's, as on clusters: link MPI::MPI_CXX from
    # find_package(MPI) next to repro::mpi.
    options = {"with_mpi": [True, False]}
    default_options = {"with_mpi": False}
    exports_sources = "include/*", "LICENSE"
    no_copy_source = True

    def set_version(self):
        # One source of truth for the version: the header.
        text = load(self, os.path.join(self.recipe_folder, "include", "repro", "detail", "config.hpp"))
        parts = [re.search(rf"#define REPRO_VERSION_{p} (\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
        self.version = ".".join(parts)

    def layout(self):
        basic_layout(self, src_folder=".")

    def package_id(self):
        self.info.clear()

    def validate(self):
        if self.settings.get_safe("compiler.cppstd"):
            check_min_cppstd(self, 17)

    def package(self):
        # *.cuh: repro/cuda.cuh and repro/cuda/ (detail/ included), the CUDA variants.
        for pattern in ("*.hpp", "*.cuh"):
            copy(self, pattern, src=os.path.join(self.source_folder, "include"),
                 dst=os.path.join(self.package_folder, "include"))
        copy(self, "LICENSE", src=self.source_folder, dst=os.path.join(self.package_folder, "licenses"))

    def package_info(self):
        # Component "repro" is the library (CMake target repro::repro, pkg-config repro);
        # component "cuda" is repro/cuda.cuh with the CUDA runtime (repro::cuda, repro-cuda),
        # the installed CMake package's targets. Headers only: nothing to build, whether or not
        # the consumer has CUDA. repro::cuda links the system library cudart, found in the
        # CUDA toolkit's library folder that nvcc (CMake's CUDA language) adds to the link of
        # .cu targets; a consumer linking it elsewhere adds that folder, or links CUDA::cudart
        # from find_package(CUDAToolkit) instead.
        self.cpp_info.set_property("cmake_file_name", "repro")
        # The aggregate of both components; consumers link repro::repro or repro::cuda.
        self.cpp_info.set_property("cmake_target_name", "repro::repro_all")
        self.cpp_info.set_property("pkg_config_name", "repro")

        core = self.cpp_info.components["repro"]
        core.set_property("cmake_target_name", "repro::repro")
        core.set_property("pkg_config_name", "repro")
        core.bindirs = []
        core.libdirs = []
        if self.settings.os in ("Linux", "FreeBSD"):
            core.system_libs = ["pthread"]

        cuda = self.cpp_info.components["cuda"]
        cuda.set_property("cmake_target_name", "repro::cuda")
        cuda.set_property("pkg_config_name", "repro-cuda")
        cuda.requires = ["repro"]
        cuda.bindirs = []
        cuda.libdirs = []
        cuda.includedirs = []  # repro's include folder comes with the "repro" component
        cuda.system_libs = ["cudart"]

        if self.options.get_safe("with_mpi"):
            mpi = self.cpp_info.components["mpi"]
            mpi.set_property("cmake_target_name", "repro::mpi")
            mpi.set_property("pkg_config_name", "repro-mpi")
            mpi.requires = ["repro"]
            mpi.bindirs = []
            mpi.libdirs = []
            mpi.includedirs = []
