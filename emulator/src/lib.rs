//! gcp-emulator: a local emulator of the Google Cloud REST APIs used to
//! configure PyPI upstream authentication for Artifact Registry.
