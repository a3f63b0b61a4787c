"""The instructor's toolchain: the authoring format, the build of labs/, and the grader's stages.

`format` (cell tags) → `build` (labs/ from solutions/) → `intake` (labs and submissions read) →
`jobs` (what a kernel runs) → `runner` + `worker` (the kernel, in its own process) → `scoring` →
`reports` (grades.csv, Gradescope, feedback) ← `cli` (``helpers grade``).
"""
