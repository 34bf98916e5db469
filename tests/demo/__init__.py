"""Tests of the shipped demo world (distscout/demo)."""
