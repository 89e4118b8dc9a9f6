"""The workspace's pages for: attendance (issue 14). Every view is wrapped by a guard of
workspace/access.py."""

urlpatterns = []
