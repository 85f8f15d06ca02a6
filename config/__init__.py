"""Settings and catalog data: configuration is data, read from the environment and files."""
