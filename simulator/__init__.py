"""Angry-customer training simulator."""
