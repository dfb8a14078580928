{
  "targets": [
    {
      "target_name": "charmts_mpi",
      "sources": [
        "binding/mpi_binding.cc",
        "binding/controlVariables.cc",
        "binding/check.cc",
        "binding/pool.cc",
        "binding/sends.cc",
        "binding/receives.cc",
        "binding/wake.cc"
      ],
      "include_dirs": [
        "<!(node -e \"require('nan')\")",
        "<!@(mpicc --showme:incdirs | tr ' ' '\\n' | sed 's/^/-I/' | sed 's/^-I//')"
      ],
      "defines": ["OMPI_SKIP_MPICXX=1"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O2", "-Wall", "-Wextra", "-Wno-cast-function-type", "-Wno-unused-parameter", "-fexceptions"],
      "libraries": ["<!@(mpicc --showme:link)"]
    }
  ]
}
