#pragma once

#include "model/deploymenthealth.h"

#include <QColor>
#include <QIcon>
#include <QString>

namespace obleth::ui {

/// How the GUI shows a deployment's health: a coloured dot (healthy green, unhealthy red, probing amber, unknown
/// grey) always beside its word, so that the state does not rest on the colour alone.
[[nodiscard]] QColor healthColor(model::HealthState state);
/// The dot for @p state.
[[nodiscard]] QIcon healthIcon(model::HealthState state);
/// The state's word, as the Management API says it (translated).
[[nodiscard]] QString healthText(model::HealthState state);
/// A sentence about @p health for a tooltip: the state, failures in a row, the last error and check.
[[nodiscard]] QString healthToolTip(const model::DeploymentHealth &health);

} // namespace obleth::ui
