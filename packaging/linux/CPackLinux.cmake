# Two Debian packages from one build (included from packaging/CPackConfig.cmake before include(CPack)):
#   obleth-server  the headless gateway (obleth-server, linked against the core only: no GUI library), its man
#                  page and systemd units, and the "obleth" system user made by its postinst;
#   obleth         the tray app (/usr/bin/obleth, which also runs `obleth --server`), its desktop entry, icons
#                  and AppStream metadata. It depends on obleth-server of the same version, so that a desktop
#                  install also has the command-line server, its man page and the per-user service, and both
#                  are always upgraded together.
include(CPackComponent)

set(CPACK_GENERATOR DEB)
# Each package's description below starts with its own summary line. CPack (3.25) puts the project's summary in
# front of every component's description unless the summary is its own default, so it is set to that here.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server gui)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)

set(CPACK_DEBIAN_PACKAGE_RELEASE ${OBLETH_DEB_RELEASE})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SOURCE obleth)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME obleth-server)
# The SQLite driver is a plugin, loaded at run time, so shlibdeps cannot see it; adduser makes the system user.
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "libqt6sql6-sqlite, adduser")
# Upstreams over https need the system's certificate authorities.
set(CPACK_DEBIAN_SERVER_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/maintainer-scripts/postinst
    ${CMAKE_CURRENT_LIST_DIR}/maintainer-scripts/prerm
    ${CMAKE_CURRENT_LIST_DIR}/maintainer-scripts/postrm)
cpack_add_component(server
    DISPLAY_NAME "obleth-server"
    DESCRIPTION "OpenAI-compatible LLM gateway (headless server)
obleth is an OpenAI-compatible gateway in front of Ollama, llama.cpp, vLLM,
LM Studio or any OpenAI-compatible cloud: any OpenAI SDK works through it
with only a base URL change. It adds tenants and API keys, a model registry,
fair-share admission and token budgets, usage and cost accounting, a request
log with live events, Prometheus metrics, a response cache and an MCP gateway.

This package holds obleth-server, the headless gateway, which needs no
display and no GUI library, with a systemd system service (running as the
obleth system user, data in /var/lib/obleth) and a per-user service. Neither
service is enabled on install.")

set(CPACK_DEBIAN_GUI_PACKAGE_NAME obleth)
set(CPACK_DEBIAN_GUI_PACKAGE_SECTION net)
# Icons are SVG (a plugin: Debian 12 ships it in libqt6svg6, Debian 13 in qt6-svg-plugins); the platform
# plugins (xcb, wayland) are plugins too.
set(CPACK_DEBIAN_GUI_PACKAGE_DEPENDS "qt6-svg-plugins | libqt6svg6, qt6-qpa-plugins")
cpack_add_component(gui
    DISPLAY_NAME "obleth"
    DEPENDS server
    DESCRIPTION "OpenAI-compatible LLM gateway (tray app)
obleth is an OpenAI-compatible gateway in front of Ollama, llama.cpp, vLLM,
LM Studio or any OpenAI-compatible cloud: any OpenAI SDK works through it
with only a base URL change. It adds tenants and API keys, a model registry,
fair-share admission and token budgets, usage and cost accounting, a request
log with live events, Prometheus metrics, a response cache and an MCP gateway.

This package holds the tray app, which runs the gateway and shows its
state, keys, models and request log. The headless server is in the
obleth-server package.")
