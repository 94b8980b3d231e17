"""One parser per file format; each imports its library inside the function."""
