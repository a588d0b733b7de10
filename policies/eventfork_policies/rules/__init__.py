"""Rule functions: each takes plain values and returns the messages of its violations."""
