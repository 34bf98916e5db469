# frozen_string_literal: true

require_relative "lib/harbor/anchor/version"

Gem::Specification.new do |spec|
  spec.name = "harbor-anchor"
  spec.version = Harbor::Anchor::VERSION
  spec.authors = ["Harbor Tools maintainers"]
  spec.email = ["maintainers@harbor-tools.example"]

  spec.summary = "Pin, verify and roll back deploy artefacts."
  spec.description = "Anchor records the artefacts a deploy used and can roll a service back to them."
  spec.homepage = "https://github.com/harbor-tools/anchor"
  spec.license = "MIT"
  spec.required_ruby_version = ">= 3.1.0"

  spec.metadata["allowed_push_host"] = "https://rubygems.org"
  spec.metadata["homepage_uri"] = spec.homepage
  spec.metadata["source_code_uri"] = "https://github.com/harbor-tools/anchor"
  spec.metadata["changelog_uri"] = "https://github.com/harbor-tools/anchor/blob/main/CHANGELOG.md"
  spec.metadata["rubygems_mfa_required"] = "true"

  spec.files = Dir["lib/**/*.rb", "exe/*", "LICENSE.txt", "README.md"]
  spec.bindir = "exe"
  spec.executables = ["anchor"]
  spec.require_paths = ["lib"]

  spec.add_dependency "thor", "~> 1.3"
  spec.add_dependency "zeitwerk", "~> 2.6"
end
