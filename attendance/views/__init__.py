"""Site-side attendance pages (/training/): attendees and organizers."""
