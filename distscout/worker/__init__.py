"""The daemon: a dispatcher that claims due repositories, a pool that scans them, and health checks."""
