"""Every file format icarus-omics reads or writes lives in this package."""
