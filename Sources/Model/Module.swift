// Placeholder so the target compiles until this stage's first source file lands.
