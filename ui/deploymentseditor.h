#pragma once

#include "config/modelservice.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;
QT_END_NAMESPACE

namespace obleth::ui {

/// A model's deployments in the model dialog (contract section 10). With one deployment it is the familiar form
/// (upstream model, API base, API key) and an "Add deployment" button; with several, a list of them above the form,
/// which edits the selected one, with its weight, max concurrency and enabled switch. API keys are write-only: a
/// stored key is never shown, and left empty it stays.
class DeploymentsEditor final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DeploymentsEditor)

public:
    enum Column { ApiBase, Upstream, Key, Weight, MaxConcurrency, Enabled, Format, Columns };

    /// @p deployments: the model's stored ones, or none for a new model (which starts with one empty deployment).
    explicit DeploymentsEditor(const QList<model::Deployment> &deployments, QWidget *parent = nullptr);

    /// The whole list, in order, for config::ModelPatch::deployments: a stored deployment keeps its id (and so its
    /// key, unless a new one was typed); an added one has none.
    [[nodiscard]] QList<config::DeploymentPatch> deployments() const;
    [[nodiscard]] int count() const noexcept { return int(m_entries.size()); }
    /// The deployment the form edits.
    [[nodiscard]] int current() const noexcept { return m_current; }
    void setCurrent(int index);
    /// Appends an empty deployment and selects it.
    void addDeployment();
    /// Removes the selected deployment (never the last one).
    void removeCurrent();
    /// The form, so that the dialog can line its labels up with its own.
    [[nodiscard]] QFormLayout *form() const noexcept { return m_form; }

    QTableWidget *list; ///< every deployment; shown with two or more
    QLineEdit *upstreamModel;
    QLineEdit *apiBase;
    QLineEdit *apiKey;
    QDoubleSpinBox *weight;
    QSpinBox *maxConcurrency; ///< 0: no limit
    QCheckBox *enabled;
    QComboBox *apiFormat; ///< its own api_format: data "" (the model's), "openai" or "anthropic"
    QPushButton *addButton;
    QPushButton *removeButton;

private:
    struct Entry
    {
        QString id; ///< empty for a deployment added here
        QString apiBase;
        QString upstreamModel;
        QString newKey; ///< typed here; empty keeps the stored one
        bool hasStoredKey = false;
        double weight = 1;
        int maxConcurrency = 0;
        bool enabled = true;
        QString apiFormat; ///< empty: the model's
    };
    void load();
    void store();
    void updateRow(int row);
    void updateLayout();

    QList<Entry> m_entries;
    int m_current = 0;
    bool m_loading = false;
    bool m_detailed = false; ///< weight, cap and switch show (several deployments, or one that uses them)
    QLabel *m_heading;
    QFormLayout *m_form;
};

} // namespace obleth::ui
