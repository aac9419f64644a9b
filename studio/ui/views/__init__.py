"""Parts of the central views: the notice bar above them, levels and clipping."""
