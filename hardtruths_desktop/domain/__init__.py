"""Pure rules and value sets. No I/O beyond reading the bundled value-set file; imports nothing internal."""
