"""Where a bundle's bytes come from: a file, a folder, or an HTTPS download with limits."""

from clustertrust.core.source.load import SourceData, load_source

__all__ = ["SourceData", "load_source"]
