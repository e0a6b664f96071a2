# The Debian package of the token client, rxca-token (docs/token.md):
# the program, /etc/rxca-token.conf (a conffile) and the systemd user
# unit of its agent.  In the build tree:
#
#   cpack -G DEB            (or: cmake --build . --target package)
#
# makes rxca-token_<version>_<arch>.deb.  Only the token client is
# installed by this project, so it is all the package holds.
install(TARGETS rxca-token RUNTIME DESTINATION bin)
install(FILES ${CMAKE_SOURCE_DIR}/token/packaging/rxca-token.conf
	DESTINATION /etc)
install(FILES ${CMAKE_SOURCE_DIR}/token/packaging/rxca-token-agent.service
	DESTINATION lib/systemd/user)
install(FILES ${CMAKE_SOURCE_DIR}/token/README.md
	${CMAKE_SOURCE_DIR}/docs/token.md
	DESTINATION share/doc/rxca-token)

set(RXCA_DEB_CONFFILES ${CMAKE_BINARY_DIR}/cpack/conffiles)
file(WRITE ${RXCA_DEB_CONFFILES} "/etc/rxca-token.conf\n")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rxca-token)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR rxca)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
	"rxca token client: certificate retrieval, renewal, signing and the local agent")
set(CPACK_PACKAGE_DESCRIPTION
	"rxca-token puts an rxca EPCS certificate on a PKCS#11 token, tests, renews and signs with it, and runs a local agent that lets the configured web pages reach the token.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "rxca operators <rxca@example.org>")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "opensc-pkcs11 | softhsm2")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${RXCA_DEB_CONFFILES})
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
