import os

from conan import ConanFile
from conan.errors import ConanException
from conan.tools.build import can_run
from conan.tools.cmake import CMake, cmake_layout


class ReproTestPackageConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "CMakeToolchain"
    test_type = "explicit"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def build(self):
        cmake = CMake(self)
        # repro::mpi, when the package was created with with_mpi=True.
        cmake.configure(variables={"REPRO_TEST_MPI": bool(self.dependencies["repro"].options.with_mpi)})
        cmake.build()

    def test(self):
        if not can_run(self):
            return
        self.run(os.path.join(self.cpp.build.bindir, "repro_consumer"), env="conanrun")
        # Built when CMake found a CUDA compiler; exits 77 without a CUDA device.
        cuda_consumer = os.path.join(self.cpp.build.bindir, "repro_cuda_consumer")
        if os.path.isfile(cuda_consumer) or os.path.isfile(cuda_consumer + ".exe"):
            rc = self.run(cuda_consumer, env="conanrun", ignore_errors=True)
            if rc == 77:
                self.output.warning("repro_cuda_consumer built, not run: no CUDA device")
            elif rc != 0:
                raise ConanException(f"repro_cuda_consumer failed ({rc})")
        else:
            self.output.info("repro_cuda_consumer not built (no CUDA compiler)")
        mpi_consumer = os.path.join(self.cpp.build.bindir, "repro_mpi_consumer")
        if os.path.isfile(mpi_consumer):
            self.run(f"mpiexec -n 2 {mpi_consumer}", env="conanrun")
