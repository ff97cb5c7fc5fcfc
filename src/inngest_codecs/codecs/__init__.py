"""The built-in codecs. They register through entry points like any other."""
