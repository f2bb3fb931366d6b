"""Renderings: each object's wire form, written when the object is (render on write)."""
