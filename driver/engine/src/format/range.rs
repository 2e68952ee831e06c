//! Data ranges and DataRangeIntersection.
