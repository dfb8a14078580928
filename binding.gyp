{
  "targets": [
    {
      "target_name": "charmts_mpi",
      "sources": ["binding/mpi_binding.cc"],
      "include_dirs": [
        "<!(node -e \"require('nan')\")",
        "<!@(mpicc --showme:incdirs | tr ' ' '\\n' | sed 's/^/-I/' | sed 's/^-I//')"
      ],
      "defines": ["OMPI_SKIP_MPICXX=1"],
      "cflags_cc": ["-O2", "-Wall", "-Wno-cast-function-type"],
      "libraries": ["<!@(mpicc --showme:link)"]
    }
  ]
}
