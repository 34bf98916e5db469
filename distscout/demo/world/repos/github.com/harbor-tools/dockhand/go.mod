// dockhand: a small, fast container image janitor.
module github.com/harbor-tools/dockhand

go 1.22

toolchain go1.22.5

require (
	github.com/spf13/cobra v1.8.1
	golang.org/x/sync v0.8.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.5 // indirect
)
