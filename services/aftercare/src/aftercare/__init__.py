"""Aftercare: Nazorg door ervaren collega's: aanvragen, koppeling en dossiers."""
