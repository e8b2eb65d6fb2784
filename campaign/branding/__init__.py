"""The site's mark and generated pictures: favicon, touch icon and petitions' link previews."""
