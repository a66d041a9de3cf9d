"""Materials on the shelf: filament spools, resin bottles and powder lots of each center."""
