#pragma once

#include "config/modelservice.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
QT_END_NAMESPACE

namespace obleth::ui {

class DeploymentsEditor;

/// Every field of a registry model (contract sections 4, 10 and 11). Opened empty to add a model, or with a stored
/// model to edit it. The first tab holds what a model needs (its name and its deployments: with one, the familiar
/// upstream model, API base and key) and the rest of today's fields; the second its fallbacks, auto routing and
/// the health and retry tunables. API keys are write-only: left empty, the stored key stays.
class ModelDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelDialog)

public:
    /// @p model: the model to edit, or nullptr to add one. @p otherModels: the names the fallbacks may choose from.
    explicit ModelDialog(const model::ModelConfig *model = nullptr, const QStringList &otherModels = {},
                         QWidget *parent = nullptr);

    /// The whole model, for config::ModelService::create() or replace(): every field set but the API keys, which
    /// are set only when typed in (so a replace keeps the stored ones); the deployments as a whole list, a stored
    /// one naming its id.
    [[nodiscard]] config::ModelPatch model() const;
    /// Shows why the gateway refused it; the dialog stays open.
    void showProblem(const QString &message);
    [[nodiscard]] QLabel *problem() const noexcept { return m_problem; }

    /// Moves the selected fallback one place up (-1) or down (+1).
    void moveFallback(int by);

    QLineEdit *name;
    QComboBox *apiFormat; ///< what its deployments speak (contract section 13): data "openai" or "anthropic"
    DeploymentsEditor *deployments;
    QLineEdit *upstreamModel; ///< the selected deployment's (the only one's, in the simple case)
    QLineEdit *apiBase; ///< the selected deployment's
    QLineEdit *apiKey; ///< the selected deployment's
    QDoubleSpinBox *inputCost; ///< per million tokens, in the display currency
    QDoubleSpinBox *outputCost; ///< per million tokens
    QSpinBox *contextWindow;
    QCheckBox *enabled;
    QDoubleSpinBox *admissionWeight;
    QSpinBox *maxConcurrency;
    QCheckBox *cacheEnabled;
    QSpinBox *cacheTtl;
    QSpinBox *connectTimeout;
    QSpinBox *firstByteTimeout;
    QSpinBox *idleTimeout;
    // Routing and health
    QCheckBox *autoRoute;
    QListWidget *fallbacks; ///< in the order they are tried
    QComboBox *fallbackChoice; ///< the registered models not yet in the list
    QPushButton *addFallback;
    QPushButton *removeFallback;
    QPushButton *fallbackUp;
    QPushButton *fallbackDown;
    QSpinBox *unhealthyAfter;
    QSpinBox *cooldown;
    QSpinBox *healthCheck; ///< 0: off
    QSpinBox *maxRetries;

private:
    void refillFallbackChoice();

    QStringList m_otherModels;
    QLabel *m_problem;
    double m_openedInputCost = 0; ///< per token, as stored
    double m_openedOutputCost = 0;
};

} // namespace obleth::ui
