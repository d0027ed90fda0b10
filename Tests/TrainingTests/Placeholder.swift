// This stage's tests land with its first sources.
