package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"

	"github.com/vigil-mlobs/vigil/pkg/plugin"
)

func main() {
	if err := datasource.Manage("vigil-mlobs-datasource", plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		backend.Logger.Error(err.Error())
		os.Exit(1)
	}
}
