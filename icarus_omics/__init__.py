"""icarus-omics: biomarker analysis of a targeted-therapy cancer trial."""

__version__ = "0.1.0"
