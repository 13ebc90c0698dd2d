"""The ground floor: what every other layer uses.

Paths, atomic writes, results files, profiles (names and shared fields),
the device and seeding. Imports nothing else of the package.
"""
