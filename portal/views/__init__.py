"""The public portal's views, one module per part: pages (start, committees, protokoll,
cases), anslag (the anslagstavla), search, feeds. All read through `portal.published`."""
