"""Beat tasks of the anslagstavla."""
