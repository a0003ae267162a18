"""The console: the HTML face of the API's work, for the centre's desk (Chinese first).

Pages read through the services and write through the API's own step path
(``api.steps.StepContext``) under the API's own policy table (``api.policy``): the
console adds no rule. ``install_console`` (in ``api.console.app``) mounts it; this
package's ``__init__`` stays empty so that ``api.policy`` can import the session module
without importing the pages.
"""
