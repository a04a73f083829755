"""What people read and run: the ``csperf review`` runner, HTML and PDF rendering, plots, team
briefings, spreadsheet exports and the JupyterLab explorer widgets. Nothing below imports it.
"""
