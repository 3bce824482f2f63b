"""Digital resources and cloud publishing (数字资源云发布): storage, ingest, workflow, delivery."""
