"""distscout: where is each repository published, and how does it declare itself?"""

__version__ = "0.1.0"
