//! Resource types of the `pypi` provider.
