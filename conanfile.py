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
        copy(self, "*.hpp", src=os.path.join(self.source_folder, "include"),
             dst=os.path.join(self.package_folder, "include"))
        copy(self, "LICENSE", src=self.source_folder, dst=os.path.join(self.package_folder, "licenses"))

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.set_property("cmake_file_name", "repro")
        self.cpp_info.set_property("cmake_target_name", "repro::repro")
        self.cpp_info.set_property("pkg_config_name", "repro")
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread"]
