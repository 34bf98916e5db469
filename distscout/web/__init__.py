"""The web surfaces of `distscout serve`: REST API, dashboard and Prometheus metrics.

A thin layer, like the command line: every route calls the same library functions (`distscout.store`,
`distscout.integrity`) that the commands call.
"""
