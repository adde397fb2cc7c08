package sql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/userpoold/userpoold/internal/storage"
)

type logConfigJSON struct {
	EventSource string `json:"source,omitempty"`
	LogLevel    string `json:"level,omitempty"`
	LogGroup    string `json:"log_group,omitempty"`
	Bucket      string `json:"bucket,omitempty"`
	Stream      string `json:"stream,omitempty"`
}

// GetLogDelivery returns a pool's log delivery configuration.
func (db *DB) GetLogDelivery(ctx context.Context, poolID string) (storage.LogDelivery, error) {
	var data string
	err := db.be.read(ctx, func(q querier) error {
		return q.queryRow("SELECT data FROM log_delivery WHERE pool_id = ?", poolID).Scan(&data)
	})
	if errors.Is(err, errNoRows) {
		return storage.LogDelivery{}, notFound("log delivery configuration", poolID)
	}
	if err != nil {
		return storage.LogDelivery{}, err
	}
	var v []logConfigJSON
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return storage.LogDelivery{}, fmt.Errorf("storage/sql: log delivery of %s: %w", poolID, err)
	}
	out := storage.LogDelivery{PoolID: poolID}
	for _, c := range v {
		out.Configurations = append(out.Configurations, storage.LogConfiguration{
			EventSource: c.EventSource, LogLevel: c.LogLevel,
			CloudWatchLogGroupARN: c.LogGroup, S3BucketARN: c.Bucket, FirehoseStreamARN: c.Stream,
		})
	}
	return out, nil
}

// PutLogDelivery stores a pool's log delivery configuration.
func (db *DB) PutLogDelivery(ctx context.Context, d storage.LogDelivery) error {
	v := make([]logConfigJSON, 0, len(d.Configurations))
	for _, c := range d.Configurations {
		v = append(v, logConfigJSON{EventSource: c.EventSource, LogLevel: c.LogLevel,
			LogGroup: c.CloudWatchLogGroupARN, Bucket: c.S3BucketARN, Stream: c.FirehoseStreamARN})
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	err = db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO log_delivery (pool_id, data) VALUES (?, ?) ON CONFLICT (pool_id) DO UPDATE SET data = excluded.data", d.PoolID, string(data))
		return err
	})
	if err != nil {
		return fmt.Errorf("put log delivery of %s: %w", d.PoolID, err)
	}
	return nil
}
