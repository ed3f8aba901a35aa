# CPack DEB settings for the vibrascope package (included by installer/CMakeLists.txt, which sets the
# VIBRA_DEB_* variables and installs the files). Build with the release preset: `make package`.
#  * stripped binary; its debug symbols go to vibrascope-dbgsym_<version>_<arch>.ddeb, made by
#    scripts/make-dbgsym from the unstripped build output (same build id; the release preset builds with -g).
#    CPack's own CPACK_DEBIAN_DEBUGINFO_PACKAGE is not used: in CMake 3.25 its md5sums list build-tree paths
#    and it has no copyright or changelog (lintian errors).
#  * Depends from dpkg-shlibdeps, plus what the maintainer scripts call;
#  * extended description, copyright, changelog.Debian.gz, conffiles and maintainer scripts from installer/debian.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vibrascope)
set(CPACK_PACKAGE_VENDOR "Vibrascope developers")
set(CPACK_PACKAGE_VERSION ${VIBRA_VERSION})
set(CPACK_PACKAGE_CONTACT "${VIBRA_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
file(READ ${PROJECT_SOURCE_DIR}/installer/debian/description CPACK_PACKAGE_DESCRIPTION)
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Files under /etc and /lib are installed with absolute destinations: stage them under DESTDIR.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # vibrascope_<version>-<release>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE ${VIBRA_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${VIBRA_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${PROJECT_HOMEPAGE_URL}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# postinst runs systemd-sysusers: systemd on a normal install, the standalone tool in a minimal container.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd | systemd-standalone-sysusers")
# Wayland sessions need Qt's Wayland platform plugin (X11 and XWayland work with libqt6gui6 alone).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qt6-wayland")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "sqlite3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/installer/debian/conffiles
    ${PROJECT_SOURCE_DIR}/installer/debian/postinst
    ${PROJECT_SOURCE_DIR}/installer/debian/prerm
    ${PROJECT_SOURCE_DIR}/installer/debian/postrm)
include(CPack)
