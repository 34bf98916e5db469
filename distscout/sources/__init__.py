"""One module per upstream evidence source. Only this layer performs network I/O (through distscout.http)."""
