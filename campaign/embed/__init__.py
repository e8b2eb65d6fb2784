"""The embeddable petition widget: a page made to be framed, its loader script, and oEmbed."""
