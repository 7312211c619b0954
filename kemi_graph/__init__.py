"""kemi-graph: a municipality's strategy and follow-up as linked data, tied to the UN SDGs."""

__version__ = "0.1.0"
