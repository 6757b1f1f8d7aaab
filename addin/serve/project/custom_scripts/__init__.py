"""xlwings Server's custom scripts: none of its examples. The one script, the button
重新计算排名, is served by kaohe's own route (addin/serve/button.py, addin/serve/app.py)."""
