"""Static file storage for production: content-hashed names, so the proxy may let browsers cache them for a year."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage


class HashedStaticFilesStorage(ManifestStaticFilesStorage):
    """Django's manifest storage, minus the rewriting of ``sourceMappingURL`` comments in JavaScript.

    The vendored libraries (frontend/static/vendor/) are shipped as released, without their source maps; the manifest
    storage would refuse to collect them because a referenced ``.map`` file is missing. A stale comment only makes a
    browser's developer tools ask for a map that is not there.
    """

    patterns = tuple((glob, patterns) for glob, patterns in ManifestStaticFilesStorage.patterns if glob != "*.js")
