"""The telemetry pipeline: raw long-format readings to 5-second day files."""
