#pragma once

#include "config/modelservice.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;
QT_END_NAMESPACE

namespace obleth::ui {

/// Every field of a registry model (contract section 4). Opened empty to add a model, or with a stored model
/// to edit it; the API key is write-only: left empty, the stored key stays.
class ModelDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelDialog)

public:
    /// @p model: the model to edit, or nullptr to add one.
    explicit ModelDialog(const model::ModelConfig *model = nullptr, QWidget *parent = nullptr);

    /// The whole model, for config::ModelService::create() or replace(): every field set but the API key,
    /// which is set only when typed in (so a replace keeps the stored one).
    [[nodiscard]] config::ModelPatch model() const;
    /// Shows why the gateway refused it; the dialog stays open.
    void showProblem(const QString &message);
    [[nodiscard]] QLabel *problem() const noexcept { return m_problem; }

    QLineEdit *name;
    QLineEdit *upstreamModel;
    QLineEdit *apiBase;
    QLineEdit *apiKey;
    QDoubleSpinBox *inputCost;
    QDoubleSpinBox *outputCost;
    QSpinBox *contextWindow;
    QCheckBox *enabled;
    QDoubleSpinBox *admissionWeight;
    QSpinBox *maxConcurrency;
    QCheckBox *cacheEnabled;
    QSpinBox *cacheTtl;
    QSpinBox *connectTimeout;
    QSpinBox *firstByteTimeout;
    QSpinBox *idleTimeout;

private:
    QLabel *m_problem;
};

} // namespace obleth::ui
