"""Unified user management (统一用户管理系统): accounts, staff roles, API tokens."""
