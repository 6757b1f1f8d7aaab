"""xlwings Server's auth providers of kaohe (``auth.<provider>`` in the project folder)."""
